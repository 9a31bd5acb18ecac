/**
 * The shipped synonym groups (synonyms.ts format): lay and formal words for the same thing in
 * health and 医保 questions, so a question in everyday words finds and is covered by a source in
 * formal ones. Only words that mean the same in every context belong here: a group widens both
 * the search and what counts as covered.
 */
export const DEFAULT_SYNONYMS = `
# 症状
发烧 发热 高烧 低烧
拉肚子 腹泻 闹肚子
肚子疼 肚子痛 腹痛
头疼 头痛
嗓子疼 嗓子痛 喉咙痛 咽痛
流鼻涕 流涕
睡不着 失眠
恶心 反胃 想吐
呕吐 吐了
胸闷 胸口闷
头晕 头昏 眩晕
出虚汗 盗汗
# 疾病
心衰 心力衰竭
心梗 心肌梗死 心肌梗塞
脑梗 脑梗死 脑梗塞 脑血栓
脑出血 脑溢血
高血压 血压高
低血压 血压低
高血脂 血脂高 高脂血症
冠心病 冠状动脉粥样硬化性心脏病
乙肝 乙型肝炎
甲肝 甲型肝炎
丙肝 丙型肝炎
慢阻肺 慢性阻塞性肺疾病
胃炎 胃发炎
感冒 伤风
流感 流行性感冒
新冠 新型冠状病毒
幽门螺杆菌 幽门螺旋杆菌
癌症 恶性肿瘤
拉稀 稀便
月经 例假 大姨妈 经期 来月经
哺乳期 喂奶期间 哺乳 喂奶 母乳喂养
疫苗 预防针
# 人
爸妈 父母
爸爸 父亲 老爸
妈妈 母亲 老妈
孩子 小孩 儿童 子女
宝宝 婴儿 婴幼儿
老人 老年人
媳妇 妻子 老婆 爱人 配偶
老公 丈夫
# 看病与药
看病 就医 就诊
买药 购药 拿药
住院 入院
出院 离院
挂号 预约挂号
打疫苗 接种疫苗 疫苗接种
吃药 服药
消炎药 抗生素 抗菌药
开刀 动手术 做手术 手术
药店 药房
# 医保
停掉 停止 停保 停止参保 断保
激活 启用 开通
补办 补卡 重新办理
挂失 报失
报销 报账
交钱 缴费 交费
补交 补缴
社保卡 社会保障卡
医保卡 医疗保险卡
医保 医疗保险 基本医疗保险
居民医保 城乡居民医保 城乡居民基本医疗保险
职工医保 职工基本医疗保险
异地 外地 外省 省外
新农合 农保 农保卡 新型农村合作医疗
灵活就业 打零工 自由职业
退钱 退费 退保 退还
异地就医 外地看病 外地就医
个人账户 个账
门诊慢特病 门特 慢特病 门诊特殊病
起付线 起付标准 门槛费
封顶线 最高支付限额
# 数字
三十八度五 38.5度 38.5
三十九度 39度
三十八度 38度
`;
